"""The demo's masters (institutions, categories, districts, agencies), the shape of one demo
report, and the demo's aspirations and information requests (its complaints are in
`lapor_mock.demo_complaints`).

Every name, text and number here is invented for the mock; the location ids in particular are
the mock's own, not official region codes.
"""

from __future__ import annotations

from dataclasses import dataclass

REGENCY_ID = 6201
REGENCY_NAME = "Pemerintah Kabupaten Kotawaringin Barat"

OTHER_INSTITUTIONS: dict[int, str] = {
    62: "Pemerintah Provinsi Kalimantan Tengah",
    6202: "Pemerintah Kabupaten Kotawaringin Timur",
    6208: "Pemerintah Kabupaten Lamandau",
    6209: "Pemerintah Kabupaten Sukamara",
    110: "Kementerian Pekerjaan Umum",
    120: "BPJS Kesehatan",
    130: "PT PLN (Persero)",
    140: "Kementerian Perhubungan",
}

CATEGORIES: dict[int, str] = {
    1: "Infrastruktur dan Pekerjaan Umum",
    2: "Kesehatan",
    3: "Pendidikan dan Kebudayaan",
    4: "Administrasi Kependudukan",
    5: "Perhubungan",
    6: "Lingkungan Hidup dan Kehutanan",
    7: "Sosial dan Kesejahteraan",
    8: "Perizinan dan Penanaman Modal",
    9: "Ketenteraman dan Ketertiban Umum",
    10: "Penanggulangan Bencana",
    11: "Energi dan Ketenagalistrikan",
}

DISTRICTS: dict[str, int] = {
    "Kotawaringin Lama": 620101,
    "Arut Selatan": 620102,
    "Kumai": 620103,
    "Arut Utara": 620104,
    "Pangkalan Banteng": 620105,
    "Pangkalan Lada": 620106,
}

AGENCIES: dict[str, str] = {
    "pupr": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "dinkes": "Dinas Kesehatan",
    "disdik": "Dinas Pendidikan",
    "dukcapil": "Dinas Kependudukan dan Pencatatan Sipil",
    "dishub": "Dinas Perhubungan",
    "dlh": "Dinas Lingkungan Hidup",
    "dinsos": "Dinas Sosial",
    "dpmptsp": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "satpolpp": "Satuan Polisi Pamong Praja",
    "bpbd": "Badan Penanggulangan Bencana Daerah",
    "rsud": "RSUD Sultan Imanuddin Pangkalan Bun",
}

COMPLAINT, ASPIRATION, INFORMATION = 1, 2, 3


@dataclass(frozen=True)
class DemoReport:
    """One invented report and the road it has taken so far."""

    kind: int
    district: str
    category: int
    agency: str
    title: str
    content: str
    days_ago: int
    steps: tuple[str, ...] = ()
    """Moves in order: verify, dispose, process, follow_up, close, reopen, archive, reject,
    forward:<institution id>."""
    follow_up: str = ""
    reporter: tuple[str, str, str] | None = None
    anonymous: bool = False
    secret: bool = False


DONE = ("verify", "dispose", "process", "follow_up", "close")
"""The whole road of a report that was answered and completed."""

ASPIRATIONS: tuple[DemoReport, ...] = (
    DemoReport(
        ASPIRATION,
        "Pangkalan Lada",
        3,
        "disdik",
        "Usulan penambahan ruang kelas di SD negeri Pandu Sanjaya",
        "Jumlah murid kelas satu tahun ini hampir dua kali lipat, sehingga dua rombongan belajar "
        "harus bergantian memakai satu ruang. Kami orang tua murid mengusulkan penambahan dua "
        "ruang kelas pada anggaran tahun depan.",
        6,
        ("verify", "dispose"),
        reporter=("Yohanes Saputra", "yohanes.s@example.com", "081200000103"),
    ),
    DemoReport(
        ASPIRATION,
        "Arut Utara",
        5,
        "dishub",
        "Usulan trayek angkutan pedesaan Pangkut ke Pangkalan Bun",
        "Warga Pangkut dan desa sekitarnya harus menyewa kendaraan pribadi untuk ke Pangkalan "
        "Bun. Kami mengusulkan trayek angkutan pedesaan setidaknya dua kali sehari, terutama "
        "untuk pelajar dan pedagang.",
        9,
        ("verify", "dispose", "process"),
        reporter=("Fajar Nugroho", "fajar.n@example.com", "081200000105"),
    ),
    DemoReport(
        ASPIRATION,
        "Kotawaringin Lama",
        3,
        "disdik",
        "Usulan perawatan Astana Al-Nursari sebagai cagar budaya",
        "Bangunan kayu istana di Kotawaringin Lama mulai lapuk di beberapa bagian. Kami "
        "mengusulkan perawatan berkala dan papan informasi sejarah bagi pengunjung.",
        11,
        ("verify", "dispose"),
        reporter=("Dimas Pratama", "dimas.p@example.com", "081200000112"),
    ),
    DemoReport(
        ASPIRATION,
        "Kumai",
        2,
        "dinkes",
        "Usulan posko kesehatan saat musim kabut asap",
        "Setiap musim kemarau warga Kumai banyak yang terkena ISPA. Kami mengusulkan posko "
        "kesehatan dan pembagian masker gratis di kelurahan.",
        0,
        reporter=("Rudi Hartono", "rudi.h@example.com", "081200000115"),
    ),
)
"""Aspirations (aspirasi): proposals to the regency."""

INFORMATION_REQUESTS: tuple[DemoReport, ...] = (
    DemoReport(
        INFORMATION,
        "Arut Selatan",
        4,
        "dukcapil",
        "Syarat membuat KTP-el bagi warga pindahan dari luar daerah",
        "Saya baru pindah dari Banjarmasin dan ingin membuat KTP-el di Pangkalan Bun. Dokumen apa "
        "saja yang perlu dibawa dan apakah surat pindah harus diurus dulu di daerah asal?",
        40,
        (*DONE, "archive"),
        "Silakan membawa Surat Keterangan Pindah dari daerah asal, Kartu Keluarga lama, dan "
        "pas foto. Perekaman KTP-el dapat dilakukan di kantor Disdukcapil atau di kecamatan.",
        ("Nur Aini", "nur.aini@example.com", "081200000104"),
    ),
    DemoReport(
        INFORMATION,
        "Pangkalan Lada",
        8,
        "dpmptsp",
        "Cara mengurus izin usaha mikro secara daring",
        "Saya ingin membuka usaha keripik dari rumah. Bagaimana cara mendapatkan Nomor Induk "
        "Berusaha dan apakah ada biayanya?",
        18,
        DONE,
        "Nomor Induk Berusaha untuk usaha mikro dapat diurus sendiri secara daring tanpa biaya. "
        "Petugas kami siap mendampingi di Mal Pelayanan Publik setiap hari kerja.",
        ("Siti Rahmah", "siti.rahmah@example.com", "081200000113"),
    ),
    DemoReport(
        INFORMATION,
        "Kotawaringin Lama",
        7,
        "dinsos",
        "Cara mendaftar Program Keluarga Harapan",
        "Keluarga kami tidak mampu dan belum menerima bantuan apa pun. Bagaimana cara mendaftar "
        "sebagai penerima Program Keluarga Harapan?",
        45,
        (*DONE, "archive"),
        "Pendaftaran dilakukan melalui musyawarah desa untuk dimasukkan ke data terpadu "
        "kesejahteraan sosial. Silakan menghubungi operator desa dengan membawa KK dan KTP.",
        ("Hasanah", "hasanah@example.com", "081200000118"),
    ),
)
"""Information requests (permintaan informasi)."""
