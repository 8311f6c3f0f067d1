"""One router per external platform; mounted by sandbox.app under ``/<platform>/v1``."""
