from . import letters
from . import answer
