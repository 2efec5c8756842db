from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class ConfidentialCustomerPortal(CustomerPortal):
    """A document's portal page (an order, an invoice) is rendered as superuser with its
    customer's address, e-mail and phone. An internal user reads the page, as its preview or
    through its link, only for a customer they may read: the rules let one's own documents
    through in the back end, where the customer's details stay hidden. Opened, it is logged as
    the document's form is."""

    def _document_check_access(self, model_name, document_id, access_token=None):
        document_sudo = super()._document_check_access(model_name, document_id, access_token=access_token)
        # Every customer the page names: an order's invoicing and delivery addresses too.
        partner_fields = [
            name
            for name, field in document_sudo._fields.items()
            if field.type == "many2one" and field.comodel_name == "res.partner"
        ]
        if request.env.user._is_internal() and partner_fields:
            partners = (
                request.env["res.partner"].sudo().union(*(document_sudo[name] for name in partner_fields))
            )
            policy = request.env["customer.access.policy"]
            policy._check_partners_readable(
                partners,
                request.env._(
                    "You may not open the customer page of a document of a customer above your clearance."
                ),
            )
            policy._log_access(partners, "open", document=document_sudo)
        return document_sudo
