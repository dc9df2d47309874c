"""The registry's pure parts: what a clinic sends, how it is pseudonymised, combined and
described (issue 16). No Django here."""
