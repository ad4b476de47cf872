"""IT's trust file: the signed document, its editable draft, campaigns, and a view for people."""
