from odoo import models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def write(self, vals):
        # Odoo's bounce handling (mail.thread._routing_handle_bounce) marks the
        # bounced recipient's notification: the reminder it belongs to says so
        result = super().write(vals)
        if vals.get("notification_status") == "bounce":
            emails = self.res_partner_id.mapped("email")
            self.env["relance.log"]._mark_bounced(self.mail_message_id, [email for email in emails if email])
        return result
