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
