from . import relance_send
