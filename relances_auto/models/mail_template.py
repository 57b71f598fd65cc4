import hashlib
import json

from odoo import api, fields, models

MODULE = "relances_auto"
# What a user may change on a reminder template (Settings > Technical > Email
# Templates): a template whose values still match the default it was given is
# “never edited”, and follows the new default on upgrade.
EDITABLE_FIELDS = (
    "subject",
    "body_html",
    "email_from",
    "email_to",
    "email_cc",
    "reply_to",
    "partner_to",
    "lang",
    "mail_server_id",
    "attachment_ids",
    "report_template_ids",
    "auto_delete",
    "use_default_to",
    "scheduled_date",
)


class _RollBack(Exception):
    """Undoes a trial reset of a template (see ``_relance_new_default_checksum``)."""


class MailTemplate(models.Model):
    """The default reminder templates are ``noupdate`` data, so that a user's
    wording is never overwritten. On each install or upgrade of the module
    (``_relance_refresh_default_templates``), a default template the user
    never edited is reset to the new default (every language); an edited one
    is kept, and flagged when its default changed: Settings offers “Reset to
    the new default”."""

    _inherit = "mail.template"

    relance_default_checksum = fields.Char(
        string="Default Checksum",
        copy=False,
        readonly=True,
        help="Checksum of the template as the module last set it from its default: "
        "the template is unedited while its values still give it.",
    )
    relance_default_outdated = fields.Boolean(
        string="New Default Available",
        copy=False,
        readonly=True,
        help="A reminder template you edited whose default text changed in an upgrade: "
        "“Reset to the new default” replaces your version with it.",
    )

    @api.model
    def _relance_default_templates(self):
        """The reminder templates this module ships (by their xml ids)."""
        data = self.env["ir.model.data"].sudo().search([("module", "=", MODULE), ("model", "=", "mail.template")])
        return self.sudo().browse(data.mapped("res_id")).exists()

    def _relance_checksum(self):
        """One checksum of what a user may change, in every language the
        template has words in (as stored: installing a language without
        translating the template changes nothing)."""
        self.ensure_one()
        self.flush_recordset(list(EDITABLE_FIELDS[:2]))
        self.env.cr.execute("SELECT subject, body_html FROM mail_template WHERE id = %s", [self.id])
        subject, body = self.env.cr.fetchone()
        values = {"subject": subject or {}, "body_html": body or {}}
        for name in EDITABLE_FIELDS[2:]:
            value = self[name]
            values[name] = value.ids if isinstance(value, models.BaseModel) else str(value or "")
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()

    def _relance_is_unedited(self):
        """Still the default the module gave it. A template made before the
        module kept checksums (release 18.0.1.0.0) is unedited if it was never
        written since it was created: loading translations does not write it."""
        self.ensure_one()
        if self.relance_default_checksum:
            return self._relance_checksum() == self.relance_default_checksum
        return self.write_date == self.create_date

    def _relance_new_default_checksum(self):
        """The checksum the template would have once reset to its default,
        without changing it (the reset is tried, then rolled back)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self.reset_template()
                self.env.flush_all()
                raise _RollBack(self._relance_checksum())
        except _RollBack as trial:
            checksum = trial.args[0]
        self.env.invalidate_all()
        return checksum

    @api.model
    def _relance_refresh_default_templates(self):
        """Run on each install and upgrade (data/mail_template_refresh.xml)."""
        for template in self._relance_default_templates().filtered("template_fs"):
            if template._relance_is_unedited():
                template.reset_template()  # the new default, in every language, and its checksum
            elif not template.relance_default_outdated:
                new_default = template._relance_new_default_checksum()
                template.relance_default_outdated = new_default != template.relance_default_checksum

    def reset_template(self):
        # Odoo's “Reset Template” (and ours, “Reset to the new default”): the
        # template is the default again, in every language
        result = super().reset_template()
        defaults = self.sudo()._relance_default_templates() & self.sudo()
        for template in defaults:  # the checksum reads the words as stored, in every language
            template.write(
                {"relance_default_checksum": template._relance_checksum(), "relance_default_outdated": False}
            )
        return result

    def action_relance_reset_to_default(self):
        """“Reset to the new default”: replace an edited reminder template by
        the module's new default (every language)."""
        self.reset_template()
        return True
