"""Controlled vocabularies of the catalogue: licences (공공누리), update frequencies, themes."""

from __future__ import annotations

#: 공공누리 (Korea Open Government License) types, as published by the Korea Copyright Commission.
LICENSES: dict[str, dict[str, str]] = {
    "kogl-type1": {
        "title": "공공누리 제1유형: 출처표시",
        "title_en": "KOGL Type 1: Attribution",
        "url": "https://www.kogl.or.kr/info/licenseType1.do",
    },
    "kogl-type2": {
        "title": "공공누리 제2유형: 출처표시 + 상업적 이용금지",
        "title_en": "KOGL Type 2: Attribution + No commercial use",
        "url": "https://www.kogl.or.kr/info/licenseType2.do",
    },
    "kogl-type3": {
        "title": "공공누리 제3유형: 출처표시 + 변경금지",
        "title_en": "KOGL Type 3: Attribution + No derivatives",
        "url": "https://www.kogl.or.kr/info/licenseType3.do",
    },
    "kogl-type4": {
        "title": "공공누리 제4유형: 출처표시 + 상업적 이용금지 + 변경금지",
        "title_en": "KOGL Type 4: Attribution + No commercial use + No derivatives",
        "url": "https://www.kogl.or.kr/info/licenseType4.do",
    },
}

#: DCAT-AP frequency vocabulary (EU Publications Office authority table), the subset cities use.
FREQUENCIES: dict[str, tuple[str, str]] = {
    "continuous": ("실시간", "Continuous"),
    "daily": ("매일", "Daily"),
    "weekly": ("매주", "Weekly"),
    "monthly": ("매월", "Monthly"),
    "quarterly": ("분기", "Quarterly"),
    "annual": ("매년", "Annual"),
    "irregular": ("수시", "Irregular"),
    "never": ("갱신 없음", "Never"),
}

#: The plan's policy fields (Part II keyword analysis, tables II-89 to II-119) used as catalogue themes.
THEMES: dict[str, tuple[str, str]] = {
    "education": ("교육", "Education"),
    "culture-tourism": ("문화관광", "Culture and tourism"),
    "environment": ("환경", "Environment"),
    "health-welfare": ("보건·복지", "Health and welfare"),
    "science-technology": ("과학기술", "Science and technology"),
    "safety": ("안전", "Safety"),
    "regional-development": ("지역개발", "Regional development"),
    "agriculture-fisheries": ("농림해양수산", "Agriculture, forestry and fisheries"),
    "industry": ("산업", "Industry"),
    "transport": ("교통", "Transport"),
    "administration": ("행정", "Administration"),
}
