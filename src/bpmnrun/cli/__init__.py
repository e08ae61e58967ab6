"""The command-line front end: parses arguments, calls the service layer, prints results."""
