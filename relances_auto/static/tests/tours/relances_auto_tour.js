/** @odoo-module */

import { registry } from "@web/core/registry";

// Opens an overdue invoice, opens "Test or remind manually" from its Relances
// tab, sends a test to oneself and checks the result on screen.
registry.category("web_tour.tours").add("relances_auto_send_test_tour", {
    steps: () => [
        {
            content: "Open the Relances tab of the invoice",
            trigger: ".o_form_view .o_notebook a.nav-link:contains(Relances)",
            run: "click",
        },
        {
            content: "No reminder has been sent yet",
            trigger: ".o_field_widget[name=relance_last_label]:contains(Not yet sent)",
        },
        {
            content: "Open the reminder wizard",
            trigger: ".o_notebook button[name=action_relance_open_send]",
            run: "click",
        },
        {
            content: "The due stage is proposed",
            trigger: ".modal .o_field_widget[name=stage_id] input:value(/level 2/)",
        },
        {
            content: "The subject names the invoice",
            trigger: ".modal .o_field_widget[name=subject] input:value(/Second reminder: invoice INV/)",
        },
        {
            content: "Send me a test",
            trigger: ".modal button[name=action_send_test]",
            run: "click",
        },
        {
            content: "A notification confirms the test",
            trigger: ".o_notification:contains(Test of reminder level 2 sent)",
        },
        {
            content: "The test shows in the invoice's reminder history",
            trigger: ".o_field_widget[name=relance_log_ids] .o_data_row:contains(Test):contains(Queued)",
        },
        {
            content: "A test does not count as a reminder",
            trigger: ".o_field_widget[name=relance_last_label]:contains(Not yet sent)",
        },
    ],
});
