"""The kiosk's screens, one module and one .kv file each, on one base class."""

from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.identification import IdentificationScreen
from kiosk.ui.screens.multi_choice import MultiChoiceScreen
from kiosk.ui.screens.out_of_service import OutOfServiceScreen
from kiosk.ui.screens.single_choice import SingleChoiceScreen
from kiosk.ui.screens.staff import StaffScreen
from kiosk.ui.screens.text_question import TextQuestionScreen
from kiosk.ui.screens.thanks import ThanksScreen
from kiosk.ui.screens.welcome import WelcomeScreen

ALL_SCREENS = (
    WelcomeScreen,
    IdentificationScreen,
    SingleChoiceScreen,
    MultiChoiceScreen,
    TextQuestionScreen,
    ThanksScreen,
    OutOfServiceScreen,
    StaffScreen,
)

__all__ = ["ALL_SCREENS", "KioskScreen"]
