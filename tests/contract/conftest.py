"""The API's own contract, checked by Schemathesis against ``create_app()`` in-process."""
