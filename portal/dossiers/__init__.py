"""The units' dossiers from the one-stop software: read (rows), imported (importer), the command."""
