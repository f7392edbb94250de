"""What the client's tests share: the package on sys.path, the spec, and the service under test.

The service is the one `npm test` starts (test/clients/python.test.ts passes TRAINYARD_TEST_URL
and TRAINYARD_TEST_API_KEY); tests that need it skip, saying so, without it.
"""
import json
import os
import sys
import unittest
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_ROOT.parent.parent
SPEC_PATH = Path(os.environ.get("TRAINYARD_OPENAPI", REPO_ROOT / "openapi" / "openapi.json"))

if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

URL = os.environ.get("TRAINYARD_TEST_URL")
API_KEY = os.environ.get("TRAINYARD_TEST_API_KEY")


def load_spec():
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def needs_service(cls):
    return unittest.skipUnless(URL, "no service: set TRAINYARD_TEST_URL (npm test starts one)")(cls)


def client():
    from trainyard import Client

    return Client(URL, API_KEY)


def have(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False
