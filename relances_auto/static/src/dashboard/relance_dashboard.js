/** @odoo-module **/

import { Component, markup, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * The Relances app's home: today's plan, the amount overdue by age and by
 * last level, the reminders of the last 30 days and how well each stage gets
 * invoices paid. Every figure comes from relance.dashboard.get_data() (the
 * planner decides, this screen only shows), and opens the list it counts.
 */
export class RelanceDashboard extends Component {
    static template = "relances_auto.Dashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("relance.dashboard", "get_data", []);
    }

    open(action) {
        if (action) {
            // its empty-list help is HTML, as an action read from the server
            this.action.doAction(action.help ? { ...action, help: markup(action.help) } : action);
        }
    }

    /** A row of the effectiveness table: its list is made on click. */
    async openEffectiveness(row) {
        const action = await this.orm.call("relance.dashboard", "effectiveness_action", [
            row.program_id,
            row.level,
        ]);
        this.open(action);
    }

    /** Width of a bar, in % of the largest figure of its chart. */
    barWidth(figure, figures) {
        const max = Math.max(...figures.map((f) => Math.abs(f.value)), 0);
        if (!max || !figure.value) {
            return 0;
        }
        return Math.max(1, Math.round((100 * Math.abs(figure.value)) / max));
    }
}

registry.category("actions").add("relances_auto.dashboard", RelanceDashboard);
