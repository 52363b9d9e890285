"""Each kind's test helpers and fixtures (registered in the root conftest.py), shared by every
test module that needs a device of that kind: no test module imports from another."""
