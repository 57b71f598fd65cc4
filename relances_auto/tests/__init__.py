from . import test_account_move
from . import test_i18n
from . import test_relance_job
from . import test_relance_program
from . import test_relance_send
from . import test_res_config_settings
from . import test_res_partner
from . import test_tour
