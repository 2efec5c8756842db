from . import credit_grade
from . import res_partner
