from . import approval_mixin
from . import res_partner
from . import confidentiality
from . import evaluation
from . import credit
from . import receivables
from . import customer_file
