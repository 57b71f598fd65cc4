/** @odoo-module */

import { registry } from "@web/core/registry";

// The customer opens its reminder's link (no login) and answers it, one tour
// per answer; the test runs them for an English and a French customer and
// checks what the page and the accountant then show.
function setValue(selector, value) {
    const input = document.querySelector(selector);
    input.value = typeof value === "function" ? value(input) : value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

function answerTour(name, kind, fill) {
    registry.category("web_tour.tours").add(name, {
        steps: () => [
            {
                content: "The customer's late invoices are listed",
                trigger: ".o_relance_answer_invoices tbody tr",
            },
            {
                content: "Fill the answer",
                trigger: `.o_relance_answer_${kind} button[type=submit]`,
                run: fill,
            },
            {
                content: "Send it",
                trigger: `.o_relance_answer_${kind} button[type=submit]`,
                run: "click",
            },
            {
                content: "The page says the answer is recorded",
                trigger: ".o_relance_answer_done",
            },
        ],
    });
}

// the first day allowed: today for a promise (min), today for a payment (max)
answerTour("relances_auto_answer_promise_tour", "promise", () =>
    setValue(".o_relance_answer_promise input[name=promised_date]", (input) => input.max)
);
answerTour("relances_auto_answer_paid_tour", "paid", () =>
    setValue(".o_relance_answer_paid input[name=payment_date]", (input) => input.max)
);
answerTour("relances_auto_answer_dispute_tour", "dispute", () => {
    setValue(".o_relance_answer_dispute select[name=reason]", "not_received");
    setValue(".o_relance_answer_dispute textarea[name=note]", "The pallets never arrived.");
});

// Then the accountant (English): Late payments shows the customer's answer,
// the invoice's Relances tab lists it, and the chatter holds the activity.
registry.category("web_tour.tours").add("relances_auto_answer_accountant_tour", {
    steps: () => [
        {
            content: "Late payments: the disputed invoice shows the customer's answer",
            trigger: ".o_relance_late_payments .o_data_row:contains('The customer disputes the invoice: Goods or service not received')",
        },
        {
            content: "The promise shows too",
            trigger: ".o_relance_late_payments .o_data_row:contains('The customer promised to pay on')",
        },
        {
            content: "Open the disputed invoice",
            trigger:
                ".o_relance_late_payments .o_data_row:contains('The customer disputes the invoice') td[name=name]",
            run: "click",
        },
        {
            content: "Its Relances tab",
            trigger: ".o_notebook a[name=relances]",
            run: "click",
        },
        {
            content: "The answer is listed: a dispute, open",
            trigger: ".o_field_widget[name=relance_answer_ids] .o_data_row:contains('Dispute'):contains('Open'):contains('The pallets never arrived.')",
        },
        {
            content: "The accountant has an activity for it",
            trigger: ".o-mail-Activity:contains(\"Handle the customer's dispute\")",
        },
    ],
});
