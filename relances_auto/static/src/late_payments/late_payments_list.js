/** @odoo-module */

import { registry } from "@web/core/registry";
import { formatMonetary } from "@web/views/fields/formatters";
import { ListRenderer } from "@web/views/list/list_renderer";
import { listView } from "@web/views/list/list_view";

// Late payments: a customer's subtotal of the amounts due is written with its
// currency ("12,050.00 €"), as every row is; Odoo's list writes a group's sum
// as a bare number. A group whose rows are in several currencies (or folded)
// keeps Odoo's own rendering.
export class RelanceLatePaymentsListRenderer extends ListRenderer {
    formatAggregateValue(group, column) {
        const field = this.props.list.fields[column.name];
        if (field.type !== "monetary" || !(column.name in group.aggregates)) {
            return super.formatAggregateValue(group, column);
        }
        const currencyField = column.options.currency_field || field.currency_field || "currency_id";
        const currencies = new Set(
            (group.list.records || []).map((record) => record.data[currencyField]?.[0])
        );
        if (currencies.size !== 1 || currencies.has(undefined)) {
            return super.formatAggregateValue(group, column);
        }
        const [currencyId] = currencies;
        return formatMonetary(group.aggregates[column.name], { currencyId, escape: true });
    }
}

registry.category("views").add("relance_late_payments_list", {
    ...listView,
    Renderer: RelanceLatePaymentsListRenderer,
});
