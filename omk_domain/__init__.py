"""OMK Digital Services domain: the rules, pure Python with no I/O."""
