"""The module's groups, by the role they stand for."""

CREDIT_MANAGER_GROUP = "customer_credit_management.group_credit_manager"
CUSTODIAN_GROUP = "customer_credit_management.group_customer_data_custodian"
DIRECTOR_GROUP = "customer_credit_management.group_marketing_director"
HEAD_GROUP = "customer_credit_management.group_department_head"
