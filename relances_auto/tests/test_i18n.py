import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_french_is_complete(self):
        """Every source string of the .pot has a French translation."""
        pot = polib.pofile(file_path("relances_auto/i18n/relances_auto.pot"))
        french = polib.pofile(file_path("relances_auto/i18n/fr.po"))
        translated = {entry.msgid: entry for entry in french if entry.msgstr and "fuzzy" not in entry.flags}
        missing = [entry.msgid for entry in pot if entry.msgid not in translated]
        self.assertFalse(missing, "untranslated in fr.po")
        self.assertFalse([e.msgid for e in french if not e.msgstr], "empty translations in fr.po")

    def test_french_placeholders_are_kept(self):
        french = polib.pofile(file_path("relances_auto/i18n/fr.po"))
        for entry in french:
            for placeholder in ("#REF#", "%s", "%(program)s", "%(level)s", "%(invoice)s", "%(count)s"):
                self.assertEqual(
                    entry.msgid.count(placeholder), entry.msgstr.count(placeholder), (entry.msgid, placeholder)
                )

    def test_french_in_the_ui(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        stage_model = self.env["ir.model"].with_context(lang="fr_FR")._get("relance.stage")
        self.assertEqual(stage_model.name, "Étape de relance")
        template = self.env.ref("relances_auto.mail_template_relance_level_1").with_context(lang="fr_FR")
        self.assertIn("Sauf erreur de notre part", template.body_html)
