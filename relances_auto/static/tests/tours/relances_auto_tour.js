/** @odoo-module */

import { registry } from "@web/core/registry";

// Opens an overdue invoice, opens "Test or remind manually" from its Relances
// tab, sends a test to oneself and checks the result on screen.
registry.category("web_tour.tours").add("relances_auto_send_test_tour", {
    steps: () => [
        {
            content: "The overdue invoice has a Remind button",
            trigger: ".o_form_statusbar button[name=action_relance_open_send]:contains(Remind)",
        },
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

// Settings: the Relances block shows the global program, its mode and stages;
// switching it to automatic and saving works.
registry.category("web_tour.tours").add("relances_auto_settings_tour", {
    steps: () => [
        {
            content: "The Relances block is in the Invoicing settings",
            trigger: "#relance_global_program:contains(Global reminder program)",
        },
        {
            content: "The stages of the global program are listed",
            trigger: "#relance_global_program .o_field_widget[name=relance_stage_ids] .o_data_row:nth-child(3)",
        },
        {
            content: "Switch the global program to automatic",
            trigger: "#relance_global_program .o_field_widget[name=relance_program_mode] input[data-value=auto]",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_control_panel .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the mode is automatic",
            trigger: "#relance_global_program .o_field_widget[name=relance_program_mode] input[data-value=auto]:checked",
        },
        {
            content: "Open all reminder programs",
            trigger: "#relance_global_program button[name=action_relance_open_programs]:enabled",
            run: "click",
        },
        {
            content: "The program list shows the global program, now automatic",
            trigger: ".o_list_view .o_data_row:contains(Standard reminders):contains(Automatic)",
        },
    ],
});

// Customer form: the Reminders section sets a custom program.
registry.category("web_tour.tours").add("relances_auto_partner_tour", {
    steps: () => [
        {
            content: "Open the Invoicing tab",
            trigger: ".o_notebook a.nav-link:contains(Invoicing)",
            run: "click",
        },
        {
            content: "Choose a custom program",
            trigger: ".o_group .o_field_widget[name=relance_policy] input[data-value=custom]",
            run: "click",
        },
        {
            content: "Pick the program",
            trigger: ".o_field_widget[name=relance_program_id] input",
            run: "edit Tour program",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour program)",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});

// Reminder History: filter the letters to print, select them, print them.
registry.category("web_tour.tours").add("relances_auto_letters_tour", {
    steps: () => [
        {
            content: "The history lists every reminder",
            trigger: ".o_list_view .o_data_row:contains(Client Phone)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter “Letters to print”",
            trigger: ".o_filter_menu .o_menu_item:contains(Letters to print)",
            run: "click",
        },
        {
            content: "Filtered: only the letter waiting to be printed is listed",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(Client Phone))) .o_data_row:contains(Client Courrier):contains(Letter to Print)",
        },
        {
            content: "Select it",
            trigger: ".o_list_view .o_data_row:contains(Client Courrier) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Print letters",
            trigger: ".o_control_panel button[name=action_print_letters]",
            run: "click",
        },
        {
            content: "Printed: the line leaves the letters to print",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Client Courrier)))",
        },
    ],
});
