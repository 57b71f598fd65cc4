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
            trigger: ".modal .o_field_widget[name=stage_id] .o_radio_item:has(input:checked):contains(level 2 (J+15))",
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
            trigger: ".o_notification:contains(Test of reminder level 2 queued)",
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
            content: "The Relances settings, in their own tab",
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

// The reminder wizard's Stage picker lists the program's stages; a call
// recorded at a chosen level counts as that level.
registry.category("web_tour.tours").add("relances_auto_stage_picker_tour", {
    steps: () => [
        {
            content: "Open the Relances tab of the invoice",
            trigger: ".o_form_view .o_notebook a.nav-link:contains(Relances)",
            run: "click",
        },
        {
            content: "The tab says the plan's next reminder",
            trigger: ".o_field_widget[name=relance_next_label]:contains(level 3 can be sent by hand now)",
        },
        {
            content: "Open the reminder wizard",
            trigger: ".o_notebook button[name=action_relance_open_send]",
            run: "click",
        },
        {
            content: "The three stages of the program are listed, the due one chosen",
            trigger:
                ".modal .o_field_widget[name=stage_id]:has(.o_radio_item:contains(level 1 (J+7))):has(.o_radio_item:contains(level 2 (J+15))) .o_radio_item:has(input:checked):contains(level 3 (J+30))",
        },
        {
            content: "Choose level 1",
            trigger: ".modal .o_field_widget[name=stage_id] .o_radio_item:contains(level 1 (J+7)) input",
            run: "click",
        },
        {
            content: "The subject follows the stage",
            trigger: ".modal .o_field_widget[name=subject] input:value(/^Reminder: invoice/)",
        },
        {
            content: "Write what was said on the phone",
            trigger: ".modal .o_field_widget[name=note] input",
            run: "edit Called the accountant, will pay Friday",
        },
        {
            content: "Record without sending",
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            content: "A notification confirms level 1",
            trigger: ".o_notification:contains(Reminder level 1 recorded)",
        },
        {
            content: "The history shows the call at level 1 with its note",
            trigger:
                ".o_field_widget[name=relance_log_ids] .o_data_row:contains(Recorded):contains(Called the accountant, will pay Friday)",
        },
    ],
});

// Invoice list: select invoices, Send the due reminders: the preview says
// what the button will do, and the summary after sending says the same.
registry.category("web_tour.tours").add("relances_auto_mass_preview_tour", {
    steps: () => [
        {
            content: "Select the invoice of Masse Alpha",
            trigger: ".o_list_view .o_data_row:contains(Masse Alpha) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Select the invoice of Masse Beta",
            trigger: ".o_list_view .o_data_row:contains(Masse Beta) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Reminders (one button for the selection)",
            trigger: ".o_control_panel button[name=action_relance_send_due]:contains(Reminders)",
            run: "click",
        },
        {
            content: "The preview: Masse Alpha gets level 2 by email",
            trigger: ".modal .o_relance_mass_preview tr:contains(Masse Alpha):contains(Level 2 sent by email)",
        },
        {
            content: "The preview: Masse Beta is skipped, and why",
            trigger:
                ".modal .o_relance_mass_preview tr:contains(Masse Beta):contains(Skipped: no valid email address for Masse Beta)",
        },
        {
            content: "Send the reminders",
            trigger: ".modal button[name=action_send_mass]",
            run: "click",
        },
        {
            content: "The summary says what the preview said",
            trigger: ".o_notification:contains(1 reminder queued):contains(1 skipped:):contains(no valid email address for Masse Beta)",
        },
    ],
});

// Settings: Send me a simulation shows who it went to, on the same page.
registry.category("web_tour.tours").add("relances_auto_simulation_tour", {
    steps: () => [
        {
            content: "The Relances settings, in their own tab",
            trigger: "#relance_daily_job button[name=action_relance_send_simulation]",
            run: "click",
        },
        {
            content: "A notification says where the simulation went",
            trigger: ".o_notification:contains(The simulation of the next automatic run is queued for):contains(Nothing is sent to any customer)",
        },
        {
            content: "Still on the settings, the Relances block in view",
            trigger: "#relance_daily_job:contains(Daily run and simulation)",
        },
    ],
});

// The Relances app from the home screen: its dashboard, a figure followed to
// its invoices, the effectiveness table, then a late invoice reminded from
// Late payments in two clicks (the menu, the row's Remind button).
// ``labels`` are the words a person reads, in the user's language.
function relancesAppSteps(labels) {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Relances app",
            trigger: `.o_app:contains(${labels.app})`,
            run: "click",
        },
        {
            content: "The app opens on its dashboard: today's plan",
            trigger: `.o_relance_dashboard .o_relance_plan h4:contains(${labels.plan})`,
        },
        {
            content: "The effectiveness of each stage: level 1 got one invoice paid within 7 days",
            trigger: `.o_relance_effectiveness tbody tr:contains(${labels.program}):contains(100 %)`,
        },
        {
            content: "Follow the figure of what the next run sends",
            trigger: `.o_relance_plan_send tr:contains(${labels.level2}) a`,
            run: "click",
        },
        {
            content: "The list shows the invoice it counts, with its next reminder",
            trigger: `.o_list_view .o_data_row:contains(${labels.next})`,
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "Open Late payments (click 1)",
            trigger: `.o_main_navbar .o_menu_sections a:contains(${labels.late})`,
            run: "click",
        },
        {
            content: "Late payments are grouped by customer, the groups open",
            trigger: ".o_list_view .o_group_header:contains(Client App)",
        },
        {
            content: "Remind the late invoice (click 2)",
            trigger: `.o_data_row:contains(${labels.next}) button[name=action_relance_open_send]:contains(${labels.remind})`,
            run: "click",
        },
        {
            content: "The reminder wizard proposes the due stage",
            trigger: ".modal .o_field_widget[name=stage_id] .o_radio_item:has(input:checked)",
        },
        {
            content: "Close it",
            trigger: ".modal .btn-close",
            run: "click",
        },
        {
            content: "Back on Late payments",
            trigger: ".o_list_view:not(:has(.modal))",
        },
    ];
}

registry.category("web_tour.tours").add("relances_auto_app_tour", {
    steps: () =>
        relancesAppSteps({
            app: "Relances",
            plan: "Next run's plan",
            program: "Standard reminders",
            level2: "Level 2 by email",
            next: "Level 2 at the next automatic run",
            late: "Late payments",
            remind: "Remind",
        }),
});

registry.category("web_tour.tours").add("relances_auto_app_tour_fr", {
    steps: () =>
        relancesAppSteps({
            app: "Relances",
            plan: "Plan de la prochaine exécution",
            program: "Relances standard",
            level2: "Niveau 2 par e-mail",
            next: "Niveau 2 à la prochaine exécution automatique",
            late: "Retards de paiement",
            remind: "Relancer",
        }),
});

// A customer disputes an invoice: the accountant pauses its reminders until a
// date from the Relances tab and reads, there, that the next reminder waits.
registry.category("web_tour.tours").add("relances_auto_pause_tour", {
    steps: () => [
        {
            content: "Open the Relances tab of the invoice",
            trigger: ".o_form_view .o_notebook a.nav-link:contains(Relances)",
            run: "click",
        },
        {
            content: "Pause reminders until the end of the dispute",
            trigger: ".o_field_widget[name=relance_paused_until] input",
            run: "edit 12/31/2030 && press Enter",
        },
        {
            content: "Say why",
            trigger: ".o_field_widget[name=relance_pause_reason] select",
            run: "selectByLabel Dispute",
        },
        {
            content: "Note what the customer disputes",
            trigger: ".o_field_widget[name=relance_pause_note] input",
            run: "edit Contests the delivery of March",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The next reminder says it waits for the end of the pause",
            trigger: ".o_field_widget[name=relance_next_label]:contains(Invoice paused until 12/31/2030: Dispute)",
        },
    ],
});
