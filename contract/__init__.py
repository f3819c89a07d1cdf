"""What the kiosk, the sync daemon and the portal must agree on, in one place.

signing      how a kiosk signs a request and the portal checks it (HMAC, clock window)
api          the HTTP API's fixed points: paths, body limits, the error body and its codes
wire         an answer as it travels: its keys, its time stamps, the sealed box, its flags
enrolment    the enrolment file and the enrolment QR code's offer, read and written
naming       the naming convention of both databases' constraints and indexes

Pure standard library, importing nothing of kiosk, sync or portal (tests/test_layout.py
checks): it runs on a tablet (Android too) and on the portal alike.
"""
