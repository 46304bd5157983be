"""chartguard serve: the HTTP front doors (helm-reval API; later the admission webhook)."""
