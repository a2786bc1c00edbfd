"""The comparison survey: respondents who never visited an MRC (captured data, imported from
KoboToolbox/ODK files or loaded by the demo), which :mod:`mrc.impact` compares clients with."""
