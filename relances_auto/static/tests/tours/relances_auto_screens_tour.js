/** @odoo-module */

import { registry } from "@web/core/registry";

// What a new user stumbled on, walked again in the web client (test_screens.py).

// A customer without an email address: "Remind" says so at once, in the
// wizard, and opens nothing over it.
registry.category("web_tour.tours").add("relances_auto_no_email_tour", {
    steps: () => [
        {
            content: "Late payments: the customer without email has its group",
            trigger: ".o_list_view .o_group_header:contains(Garage Chevalier)",
        },
        {
            content: "Remind its invoice",
            trigger:
                ".o_group_header:contains(Garage Chevalier) + .o_data_row button[name=action_relance_open_send]",
            run: "click",
        },
        {
            content: "The wizard says why, before anything else",
            trigger:
                ".modal .o_relance_email_warning:contains(Garage Chevalier has no email address: the reminder goes by letter. To mail it, add an address on the customer.)",
        },
        {
            content: "No contact form opened over the wizard",
            trigger: "body:not(:has(.modal-title:contains(Garage Chevalier)))",
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
    ],
});

// The dashboard's effectiveness row opens the reminders it counts, with when
// each was paid: as many lines as the card says.
registry.category("web_tour.tours").add("relances_auto_effectiveness_tour", {
    steps: () => [
        {
            content: "Level 1 of the standard program: 2 invoices reminded",
            trigger: ".o_relance_effectiveness tbody tr:contains(Standard reminders):has(td:nth-child(2):contains(1)):has(td:nth-child(3):contains(2))",
            run: "click",
        },
        {
            content: "The list of those 2 reminders, with the days each took to be paid",
            trigger: ".o_list_view:has(th:contains(Days to pay)) .o_pager_value:contains(1-2)",
        },
    ],
});

// Relances > Settings opens the app's own settings, at their top.
registry.category("web_tour.tours").add("relances_auto_settings_menu_tour", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Relances app",
            trigger: ".o_app:contains(Relances)",
            run: "click",
        },
        {
            content: "Relances > Settings",
            trigger: ".o_main_navbar .o_menu_sections a:contains(Settings)",
            run: "click",
        },
        {
            content: "The Relances tab is the one selected",
            trigger: ".settings_tab .tab.selected[data-key=relances_auto]",
        },
        {
            content: "Its first setting, the global program, is on screen at the top",
            trigger: ".settings #relance_global_program:contains(Global reminder program)",
            run() {
                const settings = document.querySelector(".settings");
                const top = document.querySelector("#relance_global_program").getBoundingClientRect().top;
                if (top - settings.getBoundingClientRect().top > 200) {
                    throw new Error(`the global program is ${top}px down the page`);
                }
            },
        },
        {
            content: "Invoicing's own settings are not shown",
            trigger: ".settings:not(:has(.app_settings_block[data-key=account]:visible))",
        },
    ],
});
