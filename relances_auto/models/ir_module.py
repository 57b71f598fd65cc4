from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        result = super()._load_module_terms(modules, langs, overwrite=overwrite, imported_module=imported_module)
        # the default programs are made in code, not data: translate them too
        if "relances_auto" in modules and "relance.program" in self.env:
            self.env["relance.program"]._translate_default_programs(langs)
        return result
