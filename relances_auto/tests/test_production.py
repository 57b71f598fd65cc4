import datetime

from freezegun import freeze_time
from markupsafe import Markup

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .. import params
from .common import RelancesCommon


@tagged("post_install", "-at_install")
class TestProductionLife(RelancesCommon):
    """Years in production: default templates that follow upgrades unless
    edited, no door left open, the same “today” for everyone, tunables."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # French installed after the module: its words are added to the templates
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)

    def _edit(self, template, words, lang="en_US"):
        template = template.with_context(lang=lang)
        template.body_html = Markup(str(template.body_html).replace("</div>", f"<p>{words}</p></div>", 1))
        self.env.flush_all()

    def test_an_unedited_template_follows_the_new_default(self):
        level_2 = self.env.ref("relances_auto.mail_template_relance_level_2")
        self.assertTrue(level_2.relance_default_checksum, "set at install")
        self.assertTrue(level_2._relance_is_unedited(), "a language added later leaves it unedited")
        self.assertIn("Bonjour", level_2.with_context(lang="fr_FR").body_html)
        # the default of an earlier release, which the user never touched
        self._edit(level_2, "Wording of the previous release.")
        level_2.relance_default_checksum = level_2._relance_checksum()
        self.env["mail.template"]._relance_refresh_default_templates()
        self.assertNotIn("previous release", level_2.body_html)
        self.assertNotIn("previous release", level_2.with_context(lang="fr_FR").body_html)
        self.assertEqual(level_2.relance_default_checksum, level_2._relance_checksum())
        self.assertFalse(level_2.relance_default_outdated)

    def test_an_edited_template_is_kept_and_offered_the_new_default(self):
        level_1 = self.env.ref("relances_auto.mail_template_relance_level_1")
        self._edit(level_1, "Our own words.")
        self.assertFalse(level_1._relance_is_unedited())
        self.env["mail.template"]._relance_refresh_default_templates()
        self.assertIn("Our own words.", level_1.body_html, "an edited template is never overwritten")
        self.assertFalse(level_1.relance_default_outdated, "its default did not change: nothing to offer")
        # an upgrade brings a new default (the one the user started from was another)
        level_1.relance_default_checksum = "the previous default"
        self.env["mail.template"]._relance_refresh_default_templates()
        self.assertIn("Our own words.", level_1.body_html)
        self.assertTrue(level_1.relance_default_outdated)
        settings = self.env["res.config.settings"].with_user(self.manager_user).create({})
        self.assertEqual(settings.relance_outdated_template_ids, level_1)
        settings.action_relance_reset_templates()
        self.assertNotIn("Our own words.", level_1.body_html, "“Reset to the new default”")
        self.assertFalse(level_1.relance_default_outdated)
        self.assertTrue(level_1._relance_is_unedited())
        self.assertFalse(self.env["res.config.settings"].create({}).relance_outdated_template_ids)

    def test_the_dashboard_is_for_invoicing_users(self):
        stranger = new_test_user(self.env, login="relance_stranger", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["relance.dashboard"].with_user(stranger).get_data()
        with self.assertRaises(AccessError):
            self.env["relance.dashboard"].with_user(stranger).effectiveness_action(self.program.id, 1)
        self.assertIn("plan", self.env["relance.dashboard"].with_user(self.billing_user).get_data())

    def test_today_is_the_company_s_date_for_everyone(self):
        self.company.partner_id.tz = "Pacific/Kiritimati"  # UTC+14
        self.billing_user.tz = "Pacific/Pago_Pago"  # UTC-11
        self.manager_user.tz = "Europe/Paris"
        with freeze_time("2026-03-31 12:30:00"):
            days = {
                user.login: self.company.with_user(user)._relance_today()
                for user in (self.billing_user, self.manager_user)
            }
        self.assertEqual(set(days.values()), {datetime.date(2026, 4, 1)}, days)
        self.company.partner_id.tz = False  # no time zone: the digest recipients', never the caller's
        self.company.relance_digest_user_ids = self.manager_user
        with freeze_time("2026-03-31 23:30:00"):
            self.assertEqual(self.company.with_user(self.billing_user)._relance_today(), datetime.date(2026, 4, 1))

    def test_tunables_are_system_parameters(self):
        config = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get(self.env, "relances_auto.batch_size"), 200, "the default")
        config.set_param("relances_auto.batch_size", "25")
        self.assertEqual(params.get(self.env, "relances_auto.batch_size"), 25)
        config.set_param("relances_auto.batch_size", "many")
        self.assertEqual(params.get(self.env, "relances_auto.batch_size"), 200, "a wrong value: the default")
        config.set_param("relances_auto.stamp_grace_hours", "0")
        self.assertEqual(params.get(self.env, "relances_auto.stamp_grace_hours"), 0, "no grace is a choice")
        self.company.partner_id.tz = "UTC"
        move = self._create_invoice(due_date="2026-03-31", post=False)
        move.invoice_date = "2026-03-31"
        move.action_post()
        with freeze_time("2026-03-31 06:00:00"):
            self.assertTrue(move._relance_stamp_applies(), "stamped at once without grace")
        config.set_param("relances_auto.stamp_grace_hours", "12")
        with freeze_time("2026-03-31 06:00:00"):
            self.assertFalse(move._relance_stamp_applies())
