"""`modal`, installed by Skylift's alias: Skylift's SDK under Modal's name (see skylift._alias)."""

from skylift._alias import install

install()
