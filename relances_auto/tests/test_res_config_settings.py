from odoo.tests import Form, tagged

from .common import RelancesCommon


@tagged("post_install", "-at_install")
class TestSettings(RelancesCommon):
    def _settings_form(self):
        return Form(self.env["res.config.settings"].with_user(self.manager_user))

    def test_switch_global_program_to_automatic(self):
        with self._settings_form() as form:
            self.assertEqual(form.relance_program_id, self.program)
            form.relance_program_mode = "auto"
        self.assertEqual(self.program.mode, "auto")

    def test_edit_stages_inline(self):
        with self._settings_form() as form, form.relance_stage_ids.edit(0) as line:
            line.delay_days = 3
            line.subject = "Petit rappel #REF#"
        stage_1 = self.program.stage_ids.filtered(lambda s: s.level == 1)
        self.assertEqual(stage_1.delay_days, 3)
        self.assertEqual(stage_1.subject, "Petit rappel #REF#")

    def test_remove_and_add_stage_inline(self):
        with self._settings_form() as form:
            form.relance_stage_ids.remove(2)
        self.assertEqual(self.program.stage_ids.mapped("level"), [1, 2])
        with self._settings_form() as form, form.relance_stage_ids.new() as line:
            line.level = 3
            line.delay_days = 45
            line.subject = "Mise en demeure #REF#"
        self.assertEqual(self.program.stage_ids.sorted("level").mapped("delay_days"), [7, 15, 45])

    def test_choose_another_global_program(self):
        other = self._create_program(name="Other", stages=((1, 1),))
        with self._settings_form() as form:
            form.relance_program_id = other
        self.assertEqual(self.company.relance_program_id, other)

    def test_open_all_programs(self):
        action = self.env["res.config.settings"].create({}).action_relance_open_programs()
        self.assertEqual(action["res_model"], "relance.program")
