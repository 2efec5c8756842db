/** @odoo-module **/

import { registry } from "@web/core/registry";

// Users come from tests/test_credit_tour.py (TestCreditAgingTour).
registry.category("web_tour.tours").add("ccm_credit_aging_headers", {
    steps: () => [
        {
            content: "View the aging with the default buckets",
            trigger: ".modal button[name='action_view_aging']",
            run: "click",
        },
        {
            content: "The first column is the not-due bucket",
            trigger: ".o_list_view th[data-name='b1']:contains(Not Due)",
        },
        {
            content: "The last bucket is named too",
            trigger: ".o_list_view th[data-name='b7']:contains(Over 365 Days)",
        },
        {
            content: "No column for a bucket the set does not have",
            trigger: ".o_list_view:not(:has(th[data-name='b8'])):not(:has(th:contains(Bucket)))",
        },
    ],
});
