"""The offer of the long form, to a citizen drawn at random once their quick answer is on
disk: can they give about five more minutes (what benchmarks/long_form.py's model gives a
first-time reader)? Two large buttons, no and yes."""

from kiosk.ui.screens.base import KioskScreen, load_kv


class OfferScreen(KioskScreen):
    def answer(self, yes: bool) -> None:
        """The citizen's word, to the visit (an offer is only shown by one)."""
        visit = self.app.visit
        if visit is not None:
            visit.answer_offer(yes)


load_kv(__file__)
