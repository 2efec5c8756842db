from . import confidentiality_portal
from . import portal
