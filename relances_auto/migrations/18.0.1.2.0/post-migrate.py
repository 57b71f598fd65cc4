"""18.0.1.2.0: every company gets the “Courtesy and reminders” program (J-3,
J+3, J+15, manual) that README tells users to pick, as a fresh install does.
Nothing else changes for the user: the global program, customers' programs
and the history are kept as they are. (The default reminder templates the
user never edited follow the new default on every upgrade:
``mail.template._relance_refresh_default_templates``.)"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["relance.program"]._install_courtesy_programs()
