from paperclip.cli import app

app(prog_name="paperclip")
