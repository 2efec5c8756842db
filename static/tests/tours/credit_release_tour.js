/** @odoo-module **/

import { registry } from "@web/core/registry";

// Data and users come from tests/test_credit_tour.py.
registry.category("web_tour.tours").add("ccm_credit_release_request", {
    steps: () => [
        {
            content: "The salesperson sees the credit banner on the over-line quotation",
            trigger: ".o_credit_block_banner:contains(exceeds the credit line)",
        },
        {
            content: "Try to confirm anyway",
            trigger: ".o_form_statusbar button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Confirmation is refused with the figures",
            trigger: ".modal:contains(exceeds the credit line):contains(Excess)",
        },
        {
            content: "Close the error",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Ask for a release",
            trigger: ".o_credit_block_banner button[name='action_request_credit_release']",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Payment promised by Friday",
        },
        {
            content: "Send the request",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The request is filed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The banner says the release waits, and offers no second request",
            trigger: ".o_credit_block_banner .o_credit_release_status:contains(waiting for a credit manager)",
        },
        {
            content: "No second request button",
            trigger: ".o_credit_block_banner:not(:has(button[name='action_request_credit_release']:visible))",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_credit_release_confirm", {
    steps: () => [
        {
            content: "The release is approved: no banner any more",
            trigger: ".o_form_view:not(:has(.o_credit_block_banner))",
        },
        {
            content: "The banner says until when it is released",
            trigger: ".o_credit_release_banner:contains(Released by):contains(until)",
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_form_statusbar button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains(Sales Order)",
        },
    ],
});
