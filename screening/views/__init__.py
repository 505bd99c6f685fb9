"""Views, one module per screen: screening_list, screening_form (entry and evaluation
panel), history, transfer (JSON import and export)."""
