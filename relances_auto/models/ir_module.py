from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        # a language installed later adds its words to the default templates:
        # those the user never edited stay unedited
        unedited = self.env["mail.template"]
        if "relances_auto" in modules and "relance_default_checksum" in self.env["mail.template"]._fields:
            templates = self.env["mail.template"]._relance_default_templates()
            unedited = templates.filtered(lambda t: t.relance_default_checksum and t._relance_is_unedited())
        result = super()._load_module_terms(modules, langs, overwrite=overwrite, imported_module=imported_module)
        self.env.invalidate_all()
        for template in unedited:
            template.relance_default_checksum = template._relance_checksum()
        # the default programs are made in code, not data: translate them too
        if "relances_auto" in modules and "relance.program" in self.env:
            self.env["relance.program"]._translate_default_programs(langs)
        return result
