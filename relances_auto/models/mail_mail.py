from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Keep the reminder history in step with the mail queue, before a
        sent mail is possibly deleted (auto_delete)."""
        logs = (
            self.env["relance.log"]
            .sudo()
            .search(
                [
                    "|",
                    ("mail_id", "in", self.ids),
                    ("mail_message_id", "in", self.mail_message_id.ids),
                    ("state", "=", "queued"),
                ]
            )
        )
        if logs:
            logs._update_from_mails(
                self, failure_reason=failure_reason if failure_type else False, failure_type=failure_type
            )
        return super()._postprocess_sent_message(success_pids, failure_reason=failure_reason, failure_type=failure_type)
