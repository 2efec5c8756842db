/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// One tour per role, each run by a user holding only that role's groups at the default clearance
// (Internal). Users and data come from tests/test_role_tours.py.
const CREDIT_APP = "customer_credit_management.menu_credit_root";

function menu(xmlid, content) {
    return { content, trigger: `[data-menu-xmlid='customer_credit_management.${xmlid}']`, run: "click" };
}

registry.category("web_tour.tours").add("ccm_role_salesperson", {
    steps: () => [
        {
            content: "Open my quotation of the confidential customer",
            trigger: ".o_data_row:contains(Role Confidential Co) td[name='partner_id']",
            run: "click",
        },
        {
            content: "The quotation exceeds the customer's credit line",
            trigger: ".o_credit_block_banner:contains(exceeds the credit line)",
        },
        {
            content: "Ask for a release",
            trigger: ".o_credit_block_banner button[name='action_request_credit_release']",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Deposit received, balance on delivery",
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
    ],
});

registry.category("web_tour.tours").add("ccm_role_credit_manager", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_release_requests", "Release requests waiting for me"),
        {
            content: "The confidential customer's request is there, with its figures",
            trigger: ".o_data_row:contains(Role Confidential Co):contains(450.00) td[name='name']",
            run: "click",
        },
        {
            content: "Approve the release",
            trigger: ".o_form_statusbar button[name='action_approve']",
            run: "click",
        },
        {
            content: "The release is approved",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains(Approved)",
        },
        menu("menu_credit_evaluations", "Evaluations"),
        menu("menu_credit_evaluation_to_approve", "Evaluations to approve"),
        {
            content: "The confidential customer's evaluation waits for me",
            trigger: ".o_data_row:contains(Role Confidential Co) td[name='name']",
            run: "click",
        },
        {
            content: "Approve the evaluation",
            trigger: ".o_form_statusbar button[name='action_approve']",
            run: "click",
        },
        {
            content: "The evaluation is approved and current",
            trigger: ".o_form_view:has(.o_arrow_button_current:contains(Approved)):has(.ribbon:contains(Current))",
        },
        menu("menu_credit_customers", "Customers"),
        menu("menu_credit_customer_list", "Customer list"),
        {
            content: "Open a customer",
            trigger: ".o_data_row:contains(Role Plain Trading) td[name='complete_name']",
            run: "click",
        },
        {
            content: "Open the Credit tab",
            trigger: ".o_notebook .nav-link:contains(Credit)",
            run: "click",
        },
        {
            content: "Put the customer on hold",
            trigger: "div[name='credit_hold'] input",
            run: "click",
        },
        ...stepUtils.saveForm(),
    ],
});

registry.category("web_tour.tours").add("ccm_role_accountant", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_collection", "Collection"),
        menu("menu_credit_reminder_run", "Collection Run"),
        {
            content: "Propose the letters due today",
            trigger: ".modal button[name='action_propose']",
            run: "click",
        },
        {
            content: "The readable customer gets its letter",
            trigger: ".modal .o_data_row:contains(Role Plain Trading)",
        },
        {
            content: "The confidential one needs a clearance, counted",
            trigger: ".modal .o_credit_clearance_needed:contains(Needs clearance)",
        },
        {
            content: "Close the run",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            content: "Closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_role_custodian", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_customers", "Customers"),
        menu("menu_credit_customer_list", "Customer list"),
        {
            content: "Open the confidential customer (custodians read every customer)",
            trigger: ".o_data_row:contains(Role Confidential Co) td[name='complete_name']",
            run: "click",
        },
        {
            content: "Open the Customer File tab",
            trigger: ".o_notebook .nav-link:contains(Customer File)",
            run: "click",
        },
        {
            content: "Write the legal representative",
            trigger: "div[name='customer_legal_representative'] input",
            run: "edit Li Lei",
        },
        ...stepUtils.saveForm(),
        menu("menu_credit_configuration", "Configuration"),
        menu("menu_customer_clearance", "User Clearances"),
        {
            content: "Edit the salesperson's clearance",
            trigger: ".o_data_row:contains(ccm_role_salesperson) td[name='customer_clearance_level_id']",
            run: "click",
        },
        {
            content: "Choose Confidential",
            trigger: ".o_selected_row div[name='customer_clearance_level_id'] input",
            run: "edit Confidential",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains(Confidential)",
            run: "click",
        },
        {
            content: "Save the list",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_list_view:not(:has(.o_selected_row)) .o_data_row:contains(ccm_role_salesperson):contains(Confidential)",
        },
    ],
});
