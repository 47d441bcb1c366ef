"""`modal` in a Skylift container: Skylift's SDK under Modal's name (see skylift._alias)."""

from skylift._alias import install

install()
