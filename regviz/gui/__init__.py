"""All Qt lives here; it only translates between widgets and regviz.core."""
