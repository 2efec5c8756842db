from . import credit_aging_bucket
from . import credit_aging_bucket_set
from . import credit_receivable
from . import credit_reminder_level
from . import credit_reminder
from . import credit_reminder_line
from . import res_partner
