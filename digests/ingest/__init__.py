"""Getting releases in: files, feeds and web pages."""
