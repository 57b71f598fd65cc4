{
    "name": "Automatic Payment Reminders",
    "summary": "Remind customers of unpaid invoices, by hand or every morning, "
    "with a simulation digest before anything is sent",
    "version": "18.0.1.2.0",
    "category": "Accounting/Accounting",
    "author": "relances_auto",
    "license": "LGPL-3",
    "depends": ["account"],
    "data": [
        "security/relances_auto_security.xml",
        "security/ir.model.access.csv",
        "data/mail_template_data.xml",
        "data/mail_template_refresh.xml",
        "data/product_data.xml",
        "data/relance_program_data.xml",
        "data/relance_digest_templates.xml",
        "data/ir_cron_data.xml",
        "report/relance_reports.xml",
        "report/report_relance_letter.xml",
        "wizards/relance_send_views.xml",
        "views/relance_program_views.xml",
        "views/relance_log_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/relance_late_payments_views.xml",
        "views/res_partner_views.xml",
        "views/relances_auto_menus.xml",
    ],
    "demo": [
        "demo/relances_auto_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "relances_auto/static/src/scss/relances_auto.scss",
            "relances_auto/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "relances_auto/static/tests/tours/*.js",
        ],
    },
    "images": ["static/description/screenshot_dashboard.png"],
    "application": True,
}
