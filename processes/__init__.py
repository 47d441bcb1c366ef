"""The platform's processes: their command lines (`specs`), and the supervisor of the embedded
platform (`supervisor`, with the PostgreSQL and Redis it starts in `databases`).

No Django here, and no settings: the CLI reaches the supervisor through the `skylift.server` entry
point, and the test platform and the host agent take their command lines from `specs`.
"""
