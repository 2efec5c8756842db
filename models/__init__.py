from . import credit_grade
from . import res_partner
from . import credit_aging_bucket
from . import credit_aging_bucket_set
from . import credit_receivable
