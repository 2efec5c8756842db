/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The collector's day, run by an accountant holding only the accountant's group at the default
// clearance. Users and data come from tests/test_collection_tours.py.
const CREDIT_APP = "customer_credit_management.menu_credit_root";

function menu(xmlid, content) {
    return { content, trigger: `[data-menu-xmlid='customer_credit_management.${xmlid}']`, run: "click" };
}

registry.category("web_tour.tours").add("ccm_collection_promise", {
    steps: () => [
        {
            content: "Record a payment promise from the customer's form",
            trigger: ".o_form_view button[name='action_record_payment_promise']",
            run: "click",
        },
        {
            content: "The amount promised",
            trigger: ".modal div[name='amount'] input",
            run: "edit 750",
        },
        {
            content: "The promised date",
            trigger: ".modal div[name='promise_date'] input",
            run: "edit 12/20/2030",
        },
        {
            content: "What the customer said",
            trigger: ".modal div[name='note'] textarea",
            run: "edit Pays after the year-end closing",
        },
        {
            content: "Save the promise",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The promise is recorded",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_collection_worklist", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_collection", "Collection"),
        menu("menu_credit_collection_case", "My worklist"),
        {
            content: "The overdue customer is on my worklist: log a call",
            trigger: ".o_data_row:contains(Tour Collection Co) button[name='action_log_call']",
            run: "click",
        },
        {
            content: "Reached the customer",
            trigger: ".modal div[name='result'] select",
            run: "selectByLabel Reached",
        },
        {
            content: "What was said",
            trigger: ".modal div[name='note'] input",
            run: "edit Will call back on Monday",
        },
        {
            content: "Log it",
            trigger: ".modal button[name='action_log']",
            run: "click",
        },
        {
            content: "The worklist shows the call",
            trigger: "body:not(:has(.modal)) .o_data_row:contains(Tour Collection Co):contains(Will call back on Monday)",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_collection_statement", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_collection", "Collection"),
        menu("menu_credit_statement", "Statements of account"),
        {
            content: "Open the customer's statement",
            trigger: ".o_data_row:contains(Tour Collection Co) td[name='name']",
            run: "click",
        },
        {
            content: "The statement shows its closing balance",
            trigger: ".o_form_view div[name='closing_balance']:contains(1,234.00)",
        },
        {
            content: "The customer confirmed it",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains(Confirmed)",
        },
    ],
});
