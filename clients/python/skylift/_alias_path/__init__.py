"""A folder for `sys.path`, not a package to import: containers put it on their PYTHONPATH, so that
`import modal` finds the `modal` package in it, which makes `modal` another name for `skylift`
(see skylift._alias). It comes with the runtime that containers mount, in every container."""
