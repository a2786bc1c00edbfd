"""The demo network: 7 MRCs in 5 countries, 3 regions, and each MRC's contact details.

The contacts are fictional: the hotlines are well-formed numbers of each country ending in
0100 that belong to no MRC, the addresses are invented. Address and opening hours are
written in English and in the interface languages spoken in the MRC's country (Tajik and
Russian are not interface languages: Dushanbe has English only).
"""

from __future__ import annotations

REFERENCE_NETWORK = {
    "SOUTH_ASIA": ("South Asia", {
        "AF": [("AF-KBL", "MRC Kabul", "Kabul")],
        "PK": [("PK-ISB", "MRC Islamabad", "Islamabad"), ("PK-LHE", "MRC Lahore", "Lahore")],
        "BD": [("BD-DAC", "MRC Dhaka", "Dhaka")],
    }),
    "MIDDLE_EAST": ("Middle East", {
        "IQ": [("IQ-BGW", "MRC Baghdad", "Baghdad"), ("IQ-EBL", "MRC Erbil", "Erbil")],
    }),
    "CENTRAL_ASIA": ("Central Asia", {
        "TJ": [("TJ-DYU", "MRC Dushanbe", "Dushanbe")],
    }),
}

# MRC code → (hotline as dialled in the country, {locale: (address, opening hours)}).
REFERENCE_CONTACTS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "AF-KBL": ("020 210 0100", {
        "en": ("House 12, Street 4, Shahr-e Naw, Kabul", "Saturday to Wednesday, 08:00–16:00"),
        "fa_AF": ("خانه ۱۲، سرک ۴، شهر نو، کابل", "شنبه تا چهارشنبه، ساعت ۸:۰۰ تا ۱۶:۰۰"),
        "ps": ("کور ۱۲، څلورم سړک، شهر نو، کابل", "له شنبې تر چهارشنبې، د ۸:۰۰ څخه تر ۱۶:۰۰"),
    }),
    "PK-ISB": ("051 2100100", {
        "en": ("Plot 7, Mauve Area, Sector G-9/4, Islamabad", "Monday to Friday, 09:00–17:00"),
        "ur": ("پلاٹ 7، ماؤ ایریا، سیکٹر جی-9/4، اسلام آباد",
               "پیر تا جمعہ، صبح 9 بجے سے شام 5 بجے تک"),
    }),
    "PK-LHE": ("042 35000100", {
        "en": ("Office 3, 21 Davis Road, Lahore", "Monday to Saturday, 09:00–16:00"),
        "ur": ("دفتر 3، 21 ڈیوس روڈ، لاہور", "پیر تا ہفتہ، صبح 9 بجے سے شام 4 بجے تک"),
    }),
    "BD-DAC": ("02 55000100", {
        "en": ("House 15, Road 7, Eskaton Garden, Dhaka 1000", "Sunday to Thursday, 09:00–17:00"),
        "bn": ("বাড়ি ১৫, সড়ক ৭, ইস্কাটন গার্ডেন, ঢাকা ১০০০",
               "রবিবার থেকে বৃহস্পতিবার, সকাল ৯টা থেকে বিকেল ৫টা"),
    }),
    "IQ-BGW": ("01 000 0100", {
        "en": ("Building 9, Street 52, Karrada, Baghdad", "Sunday to Thursday, 08:00–14:00"),
        "ar": ("مبنى ٩، شارع ٥٢، الكرادة، بغداد", "من الأحد إلى الخميس، ٨:٠٠ – ١٤:٠٠"),
    }),
    "IQ-EBL": ("066 000 0100", {
        "en": ("Building 4, 100 Metre Road, Erbil", "Sunday to Thursday, 08:30–14:30"),
        "ckb": ("بینای ٤، شەقامی ١٠٠ مەتری، هەولێر", "یەکشەممە تا پێنجشەممە، ٨:٣٠ – ١٤:٣٠"),
        "ar": ("مبنى ٤، شارع المئة متر، أربيل", "من الأحد إلى الخميس، ٨:٣٠ – ١٤:٣٠"),
    }),
    "TJ-DYU": ("372 21 0100", {
        "en": ("12 Rudaki Avenue, Dushanbe", "Monday to Friday, 08:00–17:00"),
    }),
}
